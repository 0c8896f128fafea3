package com.example.catalog.faults;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * A fault test: it kills, stalls or black-holes a server (PostgreSQL, Redis, the
 * application itself) and measures how long the service takes to answer. Surefire runs
 * these in an execution of their own ({@code fault-tests} in {@code pom.xml}), the only
 * one whose failures are run again (reported as flakes); every other test runs once and
 * must pass the first time.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(FaultTest.TAG)
public @interface FaultTest {

	/** The JUnit tag the surefire executions select and exclude. */
	String TAG = "fault";

}
